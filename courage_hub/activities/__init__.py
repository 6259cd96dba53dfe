"""Activities: coordinators report projects with photos and files; the yearly obligation; the public feed."""
