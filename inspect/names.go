package inspect

// nameContainers fills in names, pods, images and state of the containers
// seen from the runtimes' state on disk (see package runtimes); what could
// not be read is one warning each.
func (s *Snapshot) nameContainers() {
	for _, c := range s.containers {
		// One found through an OCI runtime's state (containerByInitPID)
		// has been read from its runtime's files already: it has sources.
		if len(c.Sources) == 0 {
			s.Runtimes.Identify(c)
		}
	}
	s.Warnings = append(s.Warnings, s.Runtimes.Warnings()...)
}
