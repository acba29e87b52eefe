"""Ordinary words that contain or resemble a refused term are not refused."""

import pytest

from moderation.services import check_prompt

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "prompt",
    [
        "Scunthorpe town centre on a rainy day",
        # Blind set 19: art titles, tarot, colours, Swedish "slut" (the end), a town called Obama.
        "Bernini's The Rape of Proserpina, marble sculpture in soft museum light",
        "the Hanged Man tarot card in a gilded art deco style",
        "a living room in nude and beige tones, soft morning light",
        "till slut kom våren, akvarell av en björkskog",
        "the old harbour at the port of Obama in Fukui, woodblock print",
        "a cute bad bunny stealing carrots, picture book style",
        "een Hollandse molen bij zonsondergang",
        "una donna anziana che legge in giardino, acquerello",
        # Blind set 20: bridge, squid, French "en retard", a Diwali swastika, a painting title.
        "four hands of bridge on green felt, hearts are the trump suit",
        "lulas grelhadas com limão numa esplanada em Lisboa",
        "un quai de gare avec des trains en retard, photo de rue",
        "a swastika drawn in kumkum on a Hindu doorstep, marigolds and diyas",
        "Caravaggio's Judith Beheading Holofernes in the Palazzo Barberini, museum photo",
        "Don Quijote y Sancho Panza en La Mancha, grabado",
        "a barber's step by step guide to a skin fade, clean diagram",
        "Thánh Gióng cưỡi ngựa sắt, tranh Đông Hồ",
        "I could murder a curry right now, cartoon guy with a fork",
        "a suicide palm flowering in Madagascar",
        "kids playing cops and robbers with water guns",
        "a poster for Murder on the Orient Express, art deco",
        "suicide wings hot sauce challenge poster",
        "a bank heist board game box with cartoon raccoons",
        "Grandma Gore's knitting club",
        "album cover, lo-fi beats, a girl studying by the window",
        "that exam killed me meme, a tired student melting into a chair",
        "the Roman Colosseum with gladiators, textbook illustration",
        "a museum exhibit on the history of counterfeit money",
        "an angler holding up a huge king salmon",
        "the team running suicides at the end of basketball practice",
        "murderball: wheelchair rugby, chairs crashing",
        "Hitman Agent 47 shopping for groceries",
        "a Thai grandmother named Porn making som tam",
        "ΗΠΑ και Ελλάδα, χάρτης",
        "REA SLUT i skyltfönstret, julbelysning",
        "climbers below Nanga Parbat at sunrise",
        "ritratto di Dante Alighieri al lume di candela",
        "бег на 5 км в парке",
        "a fake fur coat beside a passport on a hotel bed, travel flat lay",
        "un diplomático falso en una película de espías, cartel retro",
        "a cocktail with a cherry on top",
        "a killer whale jumping out of the water",
        "a naked mole rat eating a carrot",
        "shooting stars over the desert",
        "an assassin bug on a leaf, macro photo",
        "a bloody mary with celery",
        "a murder of crows on a fence",
        "Sussex countryside in spring",
        "a blue tit on a branch",
        "a sperm whale deep in the ocean",
        "a therapist's office with a couch",
        "Penistone railway station",
        "a photo shoot in a studio",
        "a basketball player shooting hoops",
        "a Gore-Tex jacket on a hiker",
        "a crack in the wall with ivy",
        "a surgeon in an operating room",
        "Albert Einstein's desk",
        "a brutalist concrete building",
        "a stable with horses",
        "a stealthy cat in the grass",
        "a robot walking in a bank",
        "a trump card on a green table",
        "chicken breast on the grill",
        "a nude-colored lipstick",
        "a lingerie store window display",
        "a heist movie poster",
        "a raccoon stealing a donut",
        "a black woman reading a book in a library",
        "a gay couple on their wedding day",
        "a Jewish wedding with dancing",
        "alien abduction of a cow, cartoon",
        "a boy kicking a ball to his sister",
        "a portrait of a woman, shot on 35mm film",
        "merchants selling spices and silk in a fantasy market",  # not a plural of a slur
    ],
)
def test_it_allows(prompt):
    verdict = check_prompt(prompt)
    assert verdict.allowed, verdict.details
