"""Official statistics in the database: each request's milestones kept for counting, historical imports, and the
figures the public page, the API and `bordercase stats` show."""
