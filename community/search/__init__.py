"""Search: a Whoosh index fed by an outbox, queries, saved searches and exports."""
