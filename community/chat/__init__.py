"""Chat: rooms, direct conversations and their messages, live over Socket.IO."""
