"""What ``overstap bench`` runs: the harness (``harness``), the requests it sends
(``payloads``), a real server process (``server``), the load driver run as its own
process (``load``), optional py-spy profiles (``profile``) and SYNTHETIC vacancies
(``synthetic_vacancies``)."""
