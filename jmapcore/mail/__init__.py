"""Pure mail-store rules that need no database: subjects for threading, keywords."""
