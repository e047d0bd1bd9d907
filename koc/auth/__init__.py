"""Authentication: staff accounts, member sessions through WeChat, partner API tokens."""
