"""The STIX 2.1 object store: versions, validation, signatures and projections."""
