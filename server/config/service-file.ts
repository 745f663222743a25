/**
 * Reads the service file: `--service-file PATH`, else the first of `zonescale.service.json`,
 * `zonescale.service.yaml`, `zonescale.service.yml` in the working directory (none = no file). JSON
 * by `JSON.parse`, YAML by the `yaml` package (YAML 1.2 core schema); the content is checked by
 * `ServiceFile` (`service.ts`), the same rules as the flags. Every problem is one `BadConfig` line
 * that starts with the file's name and names the field (`zonescale.service.yaml: healthPath: …`,
 * `unknown field "comand"`), so the entry points print it and exit 2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { BadConfig } from '../shared/errors.ts';
import { ServiceFile } from './service.ts';

/** The names looked for in the working directory, in order. */
export const SERVICE_FILE_NAMES = [
  'zonescale.service.json',
  'zonescale.service.yaml',
  'zonescale.service.yml',
];

/** The file to read: `given` (relative to `cwd`), else the first default name present in `cwd`, else null. */
export function findServiceFile(given: string | undefined, cwd: string): string | null {
  if (given) return isAbsolute(given) ? given : resolve(cwd, given);
  for (const name of SERVICE_FILE_NAMES) if (existsSync(join(cwd, name))) return join(cwd, name);
  return null;
}

/** One zod issue as `field: message` (`zones.zone1.maxReplicas: …`, `unknown field "x"`). */
export function fieldIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return `${at ? `${at}: ` : ''}unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`;
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return `${at || '(top level)'}: ${message}`;
}

/**
 * Parses and validates the text of a service file named `name` (`.json` = JSON, else YAML).
 * @throws BadConfig `<name>: <field>: <problem>`
 */
export function parseServiceFile(name: string, text: string): ServiceFile {
  let data: unknown;
  try {
    data = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const why = String((err as Error).message ?? err).split('\n')[0];
    throw new BadConfig(`${name}: not valid ${name.endsWith('.json') ? 'JSON' : 'YAML'}: ${why}`);
  }
  const parsed = ServiceFile.safeParse(data ?? {});
  if (!parsed.success) throw new BadConfig(`${name}: ${parsed.error.issues.map(fieldIssue).join('; ')}`);
  return parsed.data;
}

/**
 * Loads the service file (see `findServiceFile`); null when there is none.
 * @throws BadConfig when a given file is missing or unreadable, or its content is refused.
 */
export function loadServiceFile(
  given: string | undefined,
  cwd: string,
): { path: string; data: ServiceFile } | null {
  const path = findServiceFile(given, cwd);
  if (path === null) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BadConfig(
      `--service-file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  return { path, data: parseServiceFile(basename(path), text) };
}
