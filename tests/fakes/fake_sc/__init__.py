"""The parts of the fake Service Center; tests/fakes/fake_service_center.py runs them
(its header says which part holds what)."""
