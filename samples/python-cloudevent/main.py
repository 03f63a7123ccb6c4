"""A CloudEvent function (signature type cloudevent)."""
import logging


def on_event(cloud_event):
    logging.getLogger(__name__).warning("received %s %s", cloud_event["type"], cloud_event["id"])
