"""The Redis cache backend, with one ``redis.Redis`` client per connection pool.

Django's Redis backend makes a new ``redis.Redis`` for every cache operation. Since redis-py 5
the client's constructor builds its table of response callbacks (about 170 entries) each time,
which costs more than the round trip to a local Redis: a throttled API request (a read and a
write of its rate) paid it twice, a registry lookup four times. A client holds no connection of
its own (its pool does) and is safe to share between threads, so one per pool is kept.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django: Any = self  # the attributes of Django's client, private (and not in its stubs)
        index = django._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django._pools.get(index)
            if pool is None:
                pool = django._pools.setdefault(
                    index,
                    django._pool_class.from_url(django._servers[index], **django._pool_options),
                )
            client = self._clients.setdefault(index, django._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache``, reusing its clients."""

    @cached_property
    def _cache(self) -> ReusedClientRedisCacheClient:
        django: Any = self
        return ReusedClientRedisCacheClient(django._servers, **django._options)
