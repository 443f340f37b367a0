"""The self-test of the fake Service Center; tests/fakes/fake_service_center_test.py
runs it (its header says which module holds what)."""
