"""Host API for contacts: the whole team reads them, only a contact's owner writes it."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from booking.contacts import service as contacts
from booking.contacts.schemas import Contact, ContactCreate, ContactUpdate
from booking.hosts.schemas import Host
from web.api.params import Offset, PathId
from web.openapi import problems


class ContactController(Controller):
    path = "/contacts"
    tags = ["Contacts"]

    @get(
        operation_id="listContacts",
        summary="The team's contacts, optionally matching q in name or e-mail",
    )
    async def list_contacts(
        self,
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Offset = 0,
    ) -> list[Contact]:
        return await contacts.search(q, limit=limit, offset=offset)

    @post(
        operation_id="createContact",
        summary="Create a contact, owned by the calling host",
        responses=problems(409, 422),
    )
    async def create_contact(
        self, host: NamedDependency[Host], data: JSONBody[ContactCreate]
    ) -> Contact:
        return await contacts.create(host.id, data)

    @get(
        "/{contact_id:int}",
        operation_id="getContact",
        summary="Any contact of the team",
    )
    async def get_contact(self, contact_id: PathId) -> Contact:
        return await contacts.get(contact_id)

    @patch(
        "/{contact_id:int}",
        operation_id="updateContact",
        summary="Change a contact the host owns (another host's is 404)",
        responses=problems(409, 422),
    )
    async def update_contact(
        self, host: NamedDependency[Host], contact_id: PathId, data: JSONBody[ContactUpdate]
    ) -> Contact:
        return await contacts.update(host.id, contact_id, data)

    @delete(
        "/{contact_id:int}",
        operation_id="deleteContact",
        summary="Delete a contact the host owns (another host's is 404)",
    )
    async def delete_contact(self, host: NamedDependency[Host], contact_id: PathId) -> None:
        await contacts.delete(host.id, contact_id)
