# Makefile fragment (filled by its issue).
