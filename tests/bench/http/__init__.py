"""HTTP benchmark: the portal under gunicorn with production settings, loaded from a second
process, every API list/lookup/detail/worklist endpoint compared with a "floor" view.

Run with ``python -m tests.bench.http`` (see ``__main__`` for the environment variables). Not a
test: it prints figures and asserts nothing about time.
"""
