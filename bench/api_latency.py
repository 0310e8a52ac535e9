"""Latency of the seed's endpoints on the local stack (emulator + Chalice local).

    .venv/bin/python -m bench.api_latency [--requests 50]

Each figure is the median and p95 of sequential requests over one keep-alive
session; endpoints are interleaved so that noise hits them alike.
"""

import argparse
import uuid

import requests
from tqdm import tqdm

from bench.local_stack import running_local_stack
from bench.stats import median, p95, timed_ms

ORDER = {"customer_name": "John Doe", "customer_phone": "+1234567890", "tickets": [{"product_codes": ["PROD-A1"]}]}
STATUSES = ["IN_PROGRESS", "DONE", "ERROR", "NEW"]


def _timed(send, url: str, **kwargs) -> tuple[float, requests.Response]:
    return timed_ms(lambda: send(url, **kwargs))


def measure(base_url: str, count: int) -> dict[str, list[float]]:
    session = requests.Session()
    samples: dict[str, list[float]] = {
        "register": [],
        "login": [],
        "create order": [],
        "update status": [],
        "list": [],
        "detail": [],
    }
    token = ""
    for n in tqdm(range(count), desc="latency, each endpoint in turn", unit="round"):
        email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
        credentials = {"email": email, "password": "correct horse battery"}
        elapsed, response = _timed(session.post, f"{base_url}/api/users/register/", json=credentials)
        assert response.status_code == 201, response.text
        samples["register"].append(elapsed)
        elapsed, response = _timed(session.post, f"{base_url}/api/users/login/", json=credentials)
        samples["login"].append(elapsed)
        token = response.json()["token"]
        auth = {"Authorization": f"Token {token}"}
        elapsed, response = _timed(session.post, f"{base_url}/api/orders/create/", json=ORDER, headers=auth)
        assert response.status_code == 201, response.text
        samples["create order"].append(elapsed)
        order = response.json()
        code = order["tickets"][0]["code"]
        status = {"status": STATUSES[n % len(STATUSES)]}
        elapsed, response = _timed(session.post, f"{base_url}/api/orders/tickets/{code}/update-status/", json=status)
        assert response.status_code == 200, response.text
        samples["update status"].append(elapsed)
        elapsed, _ = _timed(session.get, f"{base_url}/api/orders/", headers=auth)
        samples["list"].append(elapsed)
        elapsed, _ = _timed(session.get, f"{base_url}/api/orders/{order['order_id']}/", headers=auth)
        samples["detail"].append(elapsed)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50)
    count = parser.parse_args().requests
    with running_local_stack() as base_url:
        samples = measure(base_url, count)
    print(f"latency on the local stack, {count} requests each (ms):")
    print(f"  {'endpoint':<15} {'median':>8} {'p95':>8}")
    for name, values in samples.items():
        print(f"  {name:<15} {median(values):8.1f} {p95(values):8.1f}")


if __name__ == "__main__":
    main()
