"""Lambda entry points. They only wire: Powertools decorators, settings, adapters, and a
call into the domain. Each builds its service once per container, on first use."""
