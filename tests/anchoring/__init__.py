"""RFC 3161 anchors of the evidence chains."""
