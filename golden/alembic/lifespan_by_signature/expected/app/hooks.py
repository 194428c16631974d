"""Startup hooks, registered under names that do not say `lifespan`."""


class Hooks:
    def __init__(self) -> None:
        self.registered = []

    def register(self, hook):
        self.registered.append(hook)
        return hook


hooks = Hooks()
