"""The Oz demo: the facility, staff and people of docs' story, built through the services."""
