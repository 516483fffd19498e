"""HTTP and CLI front ends of the buying-committee graph service."""
