"""What the tests and benchmarks share: throwaway courses (``course``), simulated learners
of every module (``students``), fixture submissions built to break the grader
(``faults*``) and a test run's own temporary folder (``own_processes``)."""
