"""The application workflow as data: states, one transition table per tier, the policies that
say who may fire each action, and one engine that applies any of them (ADR 0006)."""
