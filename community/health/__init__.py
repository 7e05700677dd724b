"""/healthz for load balancers and monitors: what this machine depends on, checked on each request."""
