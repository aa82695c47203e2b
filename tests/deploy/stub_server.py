"""A stand-in gateway for testing scripts/verify-deployment.sh.

Usage: stub_server.py MODE PORT_FILE
Binds 127.0.0.1 on a free port, writes the port to PORT_FILE, serves until
killed. MODE chooses which answers are right and which are wrong:

  complete           every route as a deployed gateway answers
  health-only        /health only (a gateway without the sign-in routes)
  unhealthy          /health answers 503 {"status":"draining"}
  health-not-json    /health answers 200 with a plain-text body
  wrong-google       /oauth/login redirects to a host that is not Google
  metadata-partial   protected-resource metadata lacks authorization_servers
  fake-google        /oauth/login redirects to http://127.0.0.1:9/o/oauth2/auth
  see-other          /oauth/login answers 303 (as axum's Redirect::to does)
  permanent          /oauth/login answers 301 (browsers would cache it)
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = sys.argv[1]
GOOGLE = 'https://accounts.google.com/o/oauth2/v2/auth'
FAKE_GOOGLE = 'http://127.0.0.1:9/o/oauth2/auth'


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location):
        self.send_response({'see-other': 303, 'permanent': 301}.get(MODE, 302))
        self.send_header('Location', location)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def not_found(self):
        self.send_response(404)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def do_GET(self):
        base = f'http://{self.headers.get("Host")}'
        query = '?client_id=stub.apps.googleusercontent.com&redirect_uri=' + base + '/oauth/callback&response_type=code'
        if self.path == '/health':
            if MODE == 'unhealthy':
                return self.send_json(503, {'status': 'draining'})
            if MODE == 'health-not-json':
                data = b'OK'
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                return self.wfile.write(data)
            return self.send_json(200, {'status': 'ok', 'timestamp': '2026-01-01T00:00:00Z', 'version': '0.0.0-stub'})
        if MODE == 'health-only':
            return self.not_found()
        if self.path == '/oauth/login':
            if MODE == 'wrong-google':
                return self.redirect('https://accounts.example.net/o/oauth2/v2/auth' + query)
            if MODE == 'fake-google':
                return self.redirect(FAKE_GOOGLE + query)
            return self.redirect(GOOGLE + query)
        if self.path == '/.well-known/oauth-protected-resource':
            body = {'resource': base + '/mcp', 'authorization_servers': [base]}
            if MODE == 'metadata-partial':
                del body['authorization_servers']
            return self.send_json(200, body)
        return self.not_found()


server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
with open(sys.argv[2], 'w') as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
