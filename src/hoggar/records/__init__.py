"""Records this node authors and receives: authoring, bundles, the one inbound path, and
the node's own identity."""
