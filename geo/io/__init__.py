"""Events in and out of files: format readers and what they detect."""
