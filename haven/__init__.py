"""Haven: shelter, counsel and move people who refuse military service."""
