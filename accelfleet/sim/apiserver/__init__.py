"""The simulated cluster's HTTP API server: the Kubernetes REST surface over the object store."""
