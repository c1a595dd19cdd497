"""The case state machine and the totalization of insurance periods."""
