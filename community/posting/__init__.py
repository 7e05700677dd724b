"""Posting checks shared by every area that stores what people write: community policy and no hard sell."""
