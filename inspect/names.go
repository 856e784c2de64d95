package inspect

// nameContainers fills in names and state of the containers seen, from the
// runtimes' state on disk. Only Docker's is read so far; the others keep the
// ID their cgroup path gave.
func (s *Snapshot) nameContainers() {
	for _, c := range s.containers {
		if c.Runtime != RuntimeDocker || !isHexID(c.ID) || len(c.ID) != 64 {
			continue
		}
		b, err := s.Host.ReadFile(dockerContainersDir, c.ID, "config.v2.json")
		if err != nil {
			continue // not Docker's default data root, or removed meanwhile
		}
		if d, err := ParseDockerConfig(b); err == nil {
			c.Name, c.State, c.InitPID = d.Name, d.State, d.InitPID
		}
	}
}
