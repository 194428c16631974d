import litellm


class Config:
    request_timeout = 5.0


config = Config()
config.request_timeout = 10.0  # the application's own setting, not litellm's
litellm.request_timeout = None  # no limit: nothing bounds the calls
litellm.aclient_session = None
