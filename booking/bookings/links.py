"""The invitee's no-login links to a booking, signed so only the invitee has them."""

from __future__ import annotations

from dataclasses import dataclass

from booking.notifications import links

# One capability for view, cancel, reschedule and the .ics: the invitee receives all of
# them in the same e-mail, so separate tokens would add length, not safety.
ACTION = "manage"


@dataclass(frozen=True, slots=True)
class LinkSigner:
    public_url: str
    secret: bytes

    def token(self, uid: str) -> str:
        return links.sign(self.secret, uid, ACTION)

    def verify(self, uid: str, token: str) -> bool:
        return links.verify(self.secret, uid, ACTION, token)

    def _url(self, path: str, uid: str) -> str:
        return f"{self.public_url}{path}?token={self.token(uid)}"

    def booking_url(self, uid: str) -> str:
        return self._url(f"/booking/{uid}", uid)

    def cancel_url(self, uid: str) -> str:
        return self._url(f"/booking/{uid}/cancel", uid)

    def reschedule_url(self, uid: str) -> str:
        return self._url(f"/booking/{uid}/reschedule", uid)

    def ics_url(self, uid: str) -> str:
        return self._url(f"/api/v1/public/bookings/{uid}/invite.ics", uid)
