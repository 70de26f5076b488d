"""State chapters: Mexico's federal entities, their liaisons, map and local AI ecosystems."""
