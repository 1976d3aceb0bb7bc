"""With Redis configured, rate-limit counters are shared by every server process."""

import os

import pytest
import redis

from tests.conftest import csrf_from
from wave import create_app

REDIS_URL = os.environ.get("WAVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def redis_url():
    """A Redis database of the tests' own, emptied before and after."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def test_submit_limit_is_shared_between_processes(app, world, test_config, redis_url):
    settings = {
        **test_config,
        "RATELIMIT_STORAGE_URI": redis_url,
        "WAVE_SUBMIT_LIMIT_PER_ADDRESS": "3 per day",
    }
    first, second = create_app(settings).test_client(), create_app(settings).test_client()

    def post(client, text):
        page = client.get("/q/RM000001").get_data(True)
        return client.post(
            "/q/RM000001",
            data={
                "csrf_token": csrf_from(page),
                "category": str(world.trash.id),
                "description": text,
            },
        )

    assert [post(c, "x").status_code for c in (first, second, first)] == [303, 303, 303]
    assert post(second, "fourth").status_code == 429
    assert redis.Redis.from_url(redis_url).keys("LIMITS*")
