"""Documents: safe parsing, schemas, business rules and the JSON form."""
