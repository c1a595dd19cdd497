"""Checks of the deployment files in deploy/."""
