"""The member directory: this node's organization and the others it deals with."""
