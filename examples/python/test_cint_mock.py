"""A Python test suite against cint-mock started as a child process: no Node code, no Testcontainers.

It starts the mock on a free port, reads the port from its first stdout line, gives each test a
session of its own (its client id), scripts that session's answers through the admin API, verifies a
webhook delivery's Cint-Signature in a receiver of its own, and stops the mock with SIGTERM (exit code
0). The standard library only:

    python3 -m unittest -v examples/python/test_cint_mock.py

CINT_MOCK_COMMAND is the command that starts the mock, as a JSON list; ["npx", "cint-mock"] unless set
(in a checkout after `npm run build`: ["node", "dist/src/cli.js"]).
"""

import hashlib
import hmac
import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT = 101
MANAGER = "b551326b-ac9d-4d32-8823-4f025787dab9"
VERSION = "2025-12-18"


class CintApiError(Exception):
    """An answer in Cint's error envelope: its status, object, detail and invalid_params."""

    def __init__(self, status, body):
        super().__init__(f"{status} {body.get('object')}: {body.get('detail')}")
        self.status = status
        self.object = body.get("object")
        self.invalid_params = body.get("invalid_params", [])


class CintClient:
    """A small client as a team writes one: a token per client id, retries on 503/429 after Retry-After,
    and sends a request whose answer never arrived again where that cannot do it twice (a GET, or a
    write with its Idempotency-Key)."""

    def __init__(self, base_url, client_id, sleep=time.sleep, retries=3):
        self.base_url = base_url
        self.client_id = client_id
        self.sleep = sleep
        self.retries = retries
        self.token = None

    def _token(self):
        if self.token is None:
            body = {"client_id": self.client_id, "client_secret": "s3cret", "grant_type": "client_credentials"}
            _, answer = http("POST", f"{self.base_url}/oauth/token", body)
            self.token = answer["access_token"]
        return self.token

    def request(self, method, path, body=None, headers=None):
        safe = method == "GET" or "idempotency-key" in (headers or {})
        for attempt in range(self.retries + 1):
            try:
                status, answer, reply_headers = http(method, f"{self.base_url}/v1{path}", body, {
                    "authorization": f"Bearer {self._token()}", "cint-api-version": VERSION, **(headers or {}),
                }, with_headers=True)
            except (ConnectionError, urllib.error.URLError):
                # No answer (a reset or closed connection): the request may have been carried out.
                # Sent again only where that is safe. (http() turns error statuses into answers.)
                if not safe or attempt >= self.retries:
                    raise
                self.sleep(0.25 * 2 ** attempt)
                continue
            if status in (429, 503) and attempt < self.retries:
                self.sleep(int(reply_headers.get("retry-after", "1")))
                continue
            if status >= 400:
                raise CintApiError(status, answer)
            return status, answer

    def create_project(self, name, key):
        return self.request("POST", f"/demand/accounts/{ACCOUNT}/projects",
                            {"name": name, "project_manager_id": MANAGER}, {"idempotency-key": key})


def verify_signature(raw_body, header, secret, tolerance_seconds=300):
    """Cint's Cint-Signature: t=<seconds>,v1=<HMAC-SHA256 of "<t>.<raw body>" keyed by the secret's text, hex>."""
    match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", header or "")
    if not match or abs(time.time() - int(match.group(1))) > tolerance_seconds:
        return False
    expected = hmac.new(secret.encode(), f"{match.group(1)}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match.group(2))


class Receiver(ThreadingHTTPServer):
    """A webhook receiver on a free port: each POST's raw body and Cint-Signature go to a queue; answers 204."""

    def __init__(self):
        self.received = queue.Queue()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                received.put((body, self.headers.get("cint-signature")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def http(method, url, body=None, headers=None, with_headers=False):
    """One request; answers (status, parsed JSON body or None[, headers]), error statuses included."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"content-type": "application/json"} if data is not None else {}), **(headers or {}),
    })
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text, reply_headers = response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        status, text, reply_headers = error.code, error.read().decode(), error.headers
    parsed = json.loads(text) if text else None
    lowered = {name.lower(): value for name, value in reply_headers.items()}
    return (status, parsed, lowered) if with_headers else (status, parsed)


class CintClientAgainstMock(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        command = json.loads(os.environ.get("CINT_MOCK_COMMAND", '["npx", "cint-mock"]'))
        # Its logs (stderr) go to this suite's stderr: a pipe nobody reads would fill and stall it.
        # CINT_MOCK_COMMAND is this suite's, not the mock's: the mock would warn about a name it does not know.
        env = {name: value for name, value in os.environ.items() if name != "CINT_MOCK_COMMAND"}
        cls.mock = subprocess.Popen([*command, "--port", "0", "--log-level", "warn"], stdout=subprocess.PIPE, text=True, env=env)
        # The first stdout line: {"event":"listening","url":"http://127.0.0.1:PORT","port":PORT}.
        ready = json.loads(cls.mock.stdout.readline())
        assert ready["event"] == "listening", ready
        cls.base_url = ready["url"]

    @classmethod
    def tearDownClass(cls):
        cls.mock.send_signal(signal.SIGTERM)
        code = cls.mock.wait(timeout=30)
        cls.mock.stdout.close()
        assert code == 0, f"cint-mock exited with {code}"

    def admin(self, method, path, body=None):
        return http(method, f"{self.base_url}/__admin{path}", body)

    def send_rules(self, session, rules):
        status, answer = self.admin("PUT", f"/sessions/{session}/scenario", {"scenario": {"rules": rules}})
        self.assertEqual(status, 200, answer)

    def count(self, session, operation, status=None):
        query = f"operation={operation}" + (f"&status={status}" if status else "")
        return self.admin("GET", f"/sessions/{session}/counts?{query}")[1]["count"]

    def test_retries_a_503_after_retry_after_and_creates_the_project_once(self):
        waits = []
        client = CintClient(self.base_url, "py-retry", sleep=waits.append)
        self.send_rules("py-retry", [{"match": {"operation": "create_project"},
                                      "respond": [{"status": 503, "headers": {"retry-after": "2"}, "times": 2}]}])
        status, project = client.create_project("Retried project", "py-retry-1")
        self.assertEqual(status, 202)
        self.assertEqual(waits, [2, 2])
        self.assertEqual(self.count("py-retry", "create_project", 503), 2)
        self.assertEqual(self.count("py-retry", "create_project"), 3)
        _, read = client.request("GET", f"/demand/accounts/{ACCOUNT}/projects/{project['id']}")
        self.assertEqual(read["name"], "Retried project")

    def test_retries_a_create_whose_answer_was_lost_with_the_same_key_and_it_is_made_once(self):
        waits = []
        client = CintClient(self.base_url, "py-lost", sleep=waits.append)
        # The built-in lost-answers scenario: the first write is carried out, then its connection reset.
        status, answer = self.admin("PUT", "/sessions/py-lost/scenario", {"scenario": "lost-answers"})
        self.assertEqual(status, 200, answer)
        status, project = client.create_project("Made once", "py-lost-1")
        self.assertEqual(status, 202)
        self.assertEqual(waits, [0.25])
        _, listed = client.request("GET", f"/demand/accounts/{ACCOUNT}/projects")
        self.assertEqual([item["id"] for item in listed["projects"]], [project["id"]])
        _, journal = self.admin("GET", "/sessions/py-lost/journal?operation=create_project")
        self.assertEqual([(entry["status"], entry.get("fault"), entry["replayed"]) for entry in journal["entries"]],
                         [(202, None, True), (202, "connection_reset", False)])

    def test_surfaces_invalid_params_of_a_400(self):
        client = CintClient(self.base_url, "py-invalid")
        with self.assertRaises(CintApiError) as raised:
            client.create_project("Q1", "py-invalid-1")
        self.assertEqual(raised.exception.status, 400)
        self.assertEqual(raised.exception.object, "bad_request_error")
        self.assertEqual([param["name"] for param in raised.exception.invalid_params], ["name"])

    def test_gives_up_on_a_403_without_retrying(self):
        client = CintClient(self.base_url, "py-forbidden")
        self.admin("PUT", "/sessions/py-forbidden/scenario", {"scenario": "forbidden-account"})
        with self.assertRaises(CintApiError) as raised:
            client.request("GET", f"/demand/accounts/{ACCOUNT}/projects")
        self.assertEqual((raised.exception.status, raised.exception.object), (403, "authorization_error"))
        self.assertEqual(self.count("py-forbidden", "list_account_projects"), 1)

    def test_sessions_do_not_see_each_other(self):
        first = CintClient(self.base_url, "py-first")
        second = CintClient(self.base_url, "py-second")
        _, project = first.create_project("First's project", "py-first-1")
        with self.assertRaises(CintApiError) as raised:
            second.request("GET", f"/demand/accounts/{ACCOUNT}/projects/{project['id']}")
        self.assertEqual(raised.exception.status, 404)

    def test_verifies_the_signature_of_a_webhook_delivery(self):
        receiver = Receiver()
        try:
            client = CintClient(self.base_url, "py-hooks")
            _, webhook = client.request("POST", f"/accounts/{ACCOUNT}/webhooks", {
                "url": f"http://127.0.0.1:{receiver.server_address[1]}/cint-events", "events": ["target-group-updated"],
            })
            _, project = client.create_project("Webhook project", "py-hooks-1")
            projects = f"/demand/accounts/{ACCOUNT}/projects/{project['id']}/target-groups"
            _, group = client.request("POST", projects, {
                "name": "Python target group", "business_unit_id": "3337", "locale": "eng_us", "collects_pii": False,
                "project_manager_id": MANAGER, "completes_goal": 100, "expected_length_of_interview_minutes": 10,
                "expected_incidence_rate": 0.5, "fielding_assistant_assignment": {},
                "fielding_specification": {"start_at": "2030-01-01T00:00:00Z", "end_at": "2030-02-01T00:00:00Z"},
                "allocations": {"open_exchange_allocations": {"blocked_supplier_ids": [], "exchange_min_percentage": 0,
                                                              "exchange_max_percentage": 100, "groups": []}},
            })
            status, _ = client.request("POST", f"{projects}/{group['id']}/fielding-run-jobs/launch-from-draft",
                                       {"end_fielding_at": "2030-01-31T23:59:59Z"}, {"idempotency-key": "py-hooks-launch"})
            self.assertEqual(status, 201)
            # The admin API waits for the delivery: no sleeping.
            status, delivery = self.admin("GET", f"/sessions/py-hooks/deliveries/next?webhook_id={webhook['id']}&timeout_ms=10000")
            self.assertEqual((status, delivery["status"]), (200, "delivered"), delivery)
            body, signature = receiver.received.get(timeout=10)
            self.assertTrue(verify_signature(body, signature, webhook["secret"]))
            self.assertFalse(verify_signature(body, signature, "another secret"))
            self.assertFalse(verify_signature(body + b" ", signature, webhook["secret"]))
            event = json.loads(body)
            self.assertEqual(event["type"], "target-group-updated")
            self.assertEqual(event["payload"]["changes"][0]["new_value"], "live")
        finally:
            receiver.shutdown()
            receiver.server_close()


if __name__ == "__main__":
    unittest.main()
