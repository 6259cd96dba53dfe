"""Events of the coordinations: regional and Land meetings, trainings, pupils' workshops, action days."""
