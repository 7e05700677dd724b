"""Hosting tools for facilitators: the floor, no hard sell, member notes, introductions and welcomes."""
