/**
 * Configuration files of the benchmark's peers, HAProxy and nginx, written into a temp directory.
 * Both are pinned to one worker (HAProxy `nbthread 1`, nginx `worker_processes 1`) like the
 * single-process zonescale balancer, keep connections to the upstream alive (HAProxy
 * `http-reuse always`, nginx `keepalive 256` with HTTP/1.1 and an empty `Connection` header), log
 * nothing per request, and do the header work the zonescale balancer does on every request: pass
 * the client's `Host` through and set `X-Forwarded-For` / `-Proto` / `-Host` (HAProxy `option
 * forwardfor` and `set-header`, nginx `proxy_set_header`), so all three send the backend the same
 * request.
 */

/** HAProxy config proxying `port` to `upstreams` (host:port) round-robin. */
export function haproxyConfig(port: number, upstreams: readonly string[]): string {
  return `global
  nbthread 1
  maxconn 9000
  log stderr format raw local0 emerg
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:${port}
  maxconn 9000
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  default_backend be
backend be
  balance roundrobin
${upstreams.map((u, i) => `  server s${i} ${u} maxconn 10000`).join('\n')}
`;
}

/** nginx config proxying `port` to `upstreams` (host:port) with upstream keep-alive; paths under `dir`. */
export function nginxConfig(port: number, upstreams: readonly string[], dir: string): string {
  return `worker_processes 1;
worker_rlimit_nofile 30000;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 25000; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  upstream be {
${upstreams.map((u) => `    server ${u};`).join('\n')}
    keepalive 256;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port} backlog=16384;
    location / {
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}
`;
}
