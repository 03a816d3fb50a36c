"""Reading the configured feeds in the background of a serving node."""

from __future__ import annotations

from hoggar.context import Node, Principal, Role, system_principal
from hoggar.kernel.loop import Periodic
from hoggar.sources.feeds import FeedRun, due_feeds, fetch_feed

FEEDS_INTERVAL_ENV = "HOGGAR_FEEDS_INTERVAL"


def reader(node: Node) -> Principal:
    """Feeds are read as the node's organization, under an analyst's rights."""
    base = system_principal(node)
    return Principal(org_id=base.org_id, name="feed-reader", role=Role.ANALYST, kind="system")


def fetch_due(node: Node) -> list[FeedRun]:
    """Read every active feed whose interval has passed since it was last read."""
    with node.db.session() as session:
        ids = due_feeds(session)
    return [fetch_feed(node, reader(node), feed_id) for feed_id in ids]


class FeedLoop(Periodic):
    def __init__(self, node: Node, interval: float) -> None:
        super().__init__("feeds", interval, lambda: fetch_due(node))
