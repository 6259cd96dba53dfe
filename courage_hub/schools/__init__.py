"""Schools: registration, the joining process, coordinators and the public directory."""
