"""``losslog compare``: a leaderboard of runs (registered in commands.py)."""
