"""Live codes (活码): permanent QR codes that route scanners to group, advisor or mini-program
targets and attribute the members who arrive to the code's channel."""
