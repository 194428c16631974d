import litellm

# every litellm call of the application gives up after a minute
litellm.request_timeout = 60
