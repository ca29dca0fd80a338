"""The simulated cluster: a Kubernetes API server, scheduler and kubelets in one process."""
