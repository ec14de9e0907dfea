"""Video conferencing: a host's connected Zoom account and a meeting per booking.

The booking core queues ``video.create`` / ``video.update`` / ``video.delete`` jobs
in its outbox (it never talks to Zoom); :mod:`.jobs` carries them out after commit.
"""
