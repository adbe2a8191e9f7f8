"""The HTTP layer: the server (server.py) and the App it calls (dispatch.Gateway), which finds
the service, authenticates, dispatches to the handler, renders errors, counts and logs.

Nothing is imported here, so `import ownstack.gateway.server` stays cheap."""
