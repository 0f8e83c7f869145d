"""The built-in payment gateways' book (issue 4 follow-up): the `test` and
`manual` gateways stand in for a remote processor, whose book every server
process shares, so their authorisations, captures, refunds and idempotency
keys live here rather than in one process's memory.

Hand-written for both dialects from the SQL aerich generates for the models
(oms.payments.models GatewayBookPayment, GatewayBookKey). The CHECK
constraint on PostgreSQL is ours (SQLite stores decimals as text, so there
the book's compare-and-set updates are the guard). MODELS_STATE is aerich's
for the models after this migration (generated on top of migration 5)."""
from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    if db.capabilities.dialect == "postgres":
        return POSTGRES_UP
    return SQLITE_UP


async def downgrade(db: BaseDBAsyncClient) -> str:
    if db.capabilities.dialect == "postgres":
        return POSTGRES_DOWN
    return SQLITE_DOWN


POSTGRES_UP = """
        CREATE TABLE IF NOT EXISTS "gateway_book_payment" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "gateway" VARCHAR(32) NOT NULL,
    "reference" VARCHAR(200) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "authorized" DECIMAL(14,2) NOT NULL,
    "captured" DECIMAL(14,2) NOT NULL,
    "refunded" DECIMAL(14,2) NOT NULL,
    "version" INT NOT NULL,
    CONSTRAINT "uid_gateway_boo_gateway_a52153" UNIQUE ("gateway", "reference")
);
COMMENT ON TABLE "gateway_book_payment" IS 'One authorisation in a built-in gateway''s book and what has happened';
        CREATE TABLE IF NOT EXISTS "gateway_book_key" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "gateway" VARCHAR(32) NOT NULL,
    "key" VARCHAR(128) NOT NULL,
    "request" TEXT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "reference" VARCHAR(200),
    "amount" DECIMAL(14,2) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "decline_code" VARCHAR(64),
    "message" VARCHAR(500),
    CONSTRAINT "uid_gateway_boo_gateway_8b3b16" UNIQUE ("gateway", "key")
);
COMMENT ON TABLE "gateway_book_key" IS 'One idempotency key a built-in gateway answered: the request it came';
        ALTER TABLE "gateway_book_payment" ADD CONSTRAINT "gateway_book_amounts_in_order" CHECK (
            "authorized" > 0 AND "captured" >= 0 AND "refunded" >= 0
            AND "captured" <= "authorized" AND "refunded" <= "captured");"""

POSTGRES_DOWN = """
        DROP TABLE IF EXISTS "gateway_book_key";
        DROP TABLE IF EXISTS "gateway_book_payment";"""

SQLITE_UP = """
        CREATE TABLE IF NOT EXISTS "gateway_book_payment" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "gateway" VARCHAR(32) NOT NULL,
    "reference" VARCHAR(200) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "authorized" VARCHAR(40) NOT NULL,
    "captured" VARCHAR(40) NOT NULL,
    "refunded" VARCHAR(40) NOT NULL,
    "version" INT NOT NULL,
    CONSTRAINT "uid_gateway_boo_gateway_a52153" UNIQUE ("gateway", "reference")
) /* One authorisation in a built-in gateway's book and what has happened */;
        CREATE TABLE IF NOT EXISTS "gateway_book_key" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "gateway" VARCHAR(32) NOT NULL,
    "key" VARCHAR(128) NOT NULL,
    "request" TEXT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "reference" VARCHAR(200),
    "amount" VARCHAR(40) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "decline_code" VARCHAR(64),
    "message" VARCHAR(500),
    CONSTRAINT "uid_gateway_boo_gateway_8b3b16" UNIQUE ("gateway", "key")
) /* One idempotency key a built-in gateway answered: the request it came */;"""

SQLITE_DOWN = """
        DROP TABLE IF EXISTS "gateway_book_key";
        DROP TABLE IF EXISTS "gateway_book_payment";"""

MODELS_STATE = (
    "eJztXW1z27i1/isYfak9o3Vt2U6y2U5nbMebddexcx2nu23c4UIkJKGmSC1BWlHb/e8XAF"
    "9EgiBFSKREMfjQbSziQNQD8PCc57zgv72payGbHF2/IMe/ch0STJF3FXjE9XpvwX97Dpwi"
    "+o+yYX3Qg7PZchD7wIdDm8shJmCYkQQfOyS+B02fXh1BmyD6kYWI6eGZj12HyfzkzuklD7"
    "gOAlbgsalAPANwR8CfIMDnBbY7BmPXBwcT6FjfuSN6zQUz6PkO8kiffZvlmvTrsDOuc+In"
    "ZwYXUzbOhDM/8BDpA8f18QibkP0IcngELoCNIEH0vz7hXzjzXBMRAqAPIPDxFIG56z0/OX"
    "B5C3PsT9zABxPXtugt03EevWPbNZ/BfILpzWL2jbZNJwz8I/bzAgf/HiDDd8eI3jxbsi//"
    "oh9jx0JfEYn/nD0bI4xsK7Oi/P/pRX7F8Bcz/unVBHo/8rEMvCFdOTuYOunxswW9SScRoO"
    "iyT8eIIgN9ZKWW1QlsO9oH8Ufh/dIPfC9AyY1ayw8sNIKBzTYHkw7vYflZzzDu7h+NT9eP"
    "htHLbZxYIrXk0UcMYbrpsOMTjsEUfjVs5Iz9Cf3z1dkf4fcskQhHsS/8+8XD1U8XDwevzg"
    "7ZF7p054Yb+y66MuCX/uBTQB+Gk3Dkl1DbkPgGtvJoX+LxjePL8U4JCZDTn7EO5PEHS8yX"
    "z18M8HFTiI/ZHXz3/WBwevp6cHz66s352evX52+O39Cx/Hbzl16XLMvlzfubu8fsirAP2D"
    "qkcGdPoOHOnVDzVN3pgthaGz7azkrg792OF5EOHB/beaTfUZiYwitDOxEV0LYi2aP4H/uH"
    "fQnWjzcfrj89Xnz4yKafEvK7zfG6eLxmVwb804Xw6cErYV2SScAvN48/AfYn+Of93TVH0y"
    "X+2OPfuBz3+M8euycY+K7huHMDWmlM4o/jj7LrzJQS8jxX8kA9oq9lqiyR6sLzVLam178+"
    "ZpYzfm4OPlz8ephZ0tv7u/fx8NRzdnV7fyk8X8GM7X/LgL7q45WVrOHpWuu9oh+vwseLGW"
    "ij55TdwD4YQvN5Dj3LyF1xB27R2Pyl6WAqfgIdOOaLxNBk95m27G/dca/I6mfXKpj6djRs"
    "lZVfvL6rbdovdHks5EXWEf0vvf6lZ1Jb3UF25qOA+O40M7LQHla1z+o0zXZrDW/RNiu2kT"
    "mCCkZaPL4ed6Tj5ln6cckCXLi90yJrbfKWvbGjXT44OXt99ub01VmyuZNPyvZ03rcQVEtF"
    "VAUpDawE2KUar6oLUiJdMC6b1gbkOVBBNxquka3gBrshAajENqRkNMarMZ7Bhe1CidL926"
    "f7OznEKRHRAcKmD/4HbEwao9R6fxkFjslQBMMA2z52yBH72r/2GlqAEsAZROW+qeiG9rNO"
    "DptA9E1ND63pm2YltW+qfdMS3/QTokvqmKhX5KAmA/qrvVSSHrsyIHXvIBaJOQKXwXSGLB"
    "bC4aEix2JRIzqjtwjjRt/NPeyzyA2d0CGQP/V9QNzwai4eVdO8Tw62CIAeAmM4s3mMic4w"
    "RCa1NMELJpjFubADMJ2WWfXggH1LEloiyMOQakBEnhx2gYpNMb0TiO3DI/ApGDIshsgjwE"
    "P2AlA95k/Ynbr0bxa3SsJW9NvJplEpJWu6qhEdvSHb7oFvaELr+FMbOI6WqMxf0HDius8P"
    "yEQULZnOFEaUKs15ONbwUoMraU3sDN2AKiOCxw5VcNE8PIjdB89o5jMlBqkimdlwwZQeVT"
    "yYKZpRQJB1JNWYNcwpUVBfesQNvPCNMKU6lMJqxHyhVlw7UlzLJansrCYSmhis4EyldroC"
    "yFmpDgI9OD6ugDQdVQg1v5bFmivPl7UcJUFUe0raU5K/9q8iJlTyvr9akqTFL/oUk9poBE"
    "+/Rrf5GjXpQivx6dH4zqX6nQ4qqPXTQaFWZ5eySn23WZTdf2k+05+mgm88voP4nryqAO+J"
    "+OJbossuiTFMz0OOuVDSDSmZDoJ8WkVBFOuHHMKaGy/Enf5A696xF9EbYU8swOjlVZol6W"
    "HybMxcG8sereIwlSC2UaiqZUHBrcekwroMw31BnofpTausg1RYr8b6q0EvIe+FR7kN37eN"
    "KXYCX7YmhZZ+yQw6hyafQ+O5AQsXGew7fDRW00ISWb351Ta/AhuQTx4xbOw8Sx6Oy0j+x5"
    "8fkF2UMpJ19m9TuSV7Zh78Ee/L+NOlmZDKBfGwKdMjKlB99FwrMP2PbKqu4kQmeDZjD/UU"
    "UQisDRH7FM32gU/WVcygnTyQXmBvusuiB/IimfSBztlV6HiWwYaA3bM5ugTQFmjfRN0X07"
    "/pN8JKGthI5yauDvhegHg8yyl5CSuYo6l+oNfmyANUY7se9hcsIkuBRBYYYY/4+UjvppNJ"
    "Q7wpejv5aTrCu0tqOl5CBWjTItvLTGk9xrkMesXKhIyQxlVWTh7bA0rAClIa2aJEqQolID"
    "+6HsJj52e04Fjf0JuCjjTdIx/03DOIi+wI+rEH58nrSXhuKQL0dyOfY/Bw/enx4ebqsVex"
    "RkEZ3Q66lyK8wtNbgO9ugv1l5l41O0/JvtPx/japzzKjSsf7dbxfx/v3Hd/6Ny+0LA8RpV"
    "hYSkQHAdaPgFkQ2wvDhDNoqjm7eUEd78p7ZsixZi6d3Ag8pcJxUa579bfnlZT0eYmSPs8r"
    "6QQ2gkwPSVJbKiC+FO0e6I28GXUqUTH63UolWit6nFD2OnhcMUoV1ZFthtVNOMn11xky/U"
    "7DlUrB2XB/PSxn6ipYxHfNZ/pCeIkYlw2C7WymWzZRV7Gaui+INVOuA6gP0VxdxYolctSB"
    "VTRNV2GiPxK/IA9vnBsUdvx+F0636BJcTRLTUUpVT8JLx5f6ZbT0LDVIs9Jbs6KbLubeXt"
    "uxlgHbcBG35qSb9bznCI8nvjH24FQlZ10U08SdJFVFkxrfCKmhu5l3edVjjFLLnliZylSW"
    "zurfpwz1lr2hNPWnqT9N/e0JVpr6UyyqYeGdTRU9r6y5pfN0Cakt0FmhLVHMaSW2xkpiy5"
    "glQ2ult76kmbM4iVrXt+yS9IJTaiPI3Bxk4im0C5KuEiHRwwmljiLp/X2AZWC+u766+XBx"
    "e3By1g+T2qjvgsNM65i4OctnRehal0aImVhTKeGaFdK4rq50SenrDWsxUoGVPYO4ailGdn"
    "dVqHTRZUQ1lxHtpsxFaDcgMcDyDQmKTTChFUIlI6x3AeZwsaw/BmwS0ueN7wH2SVihbLLD"
    "nqmz9jbssk8ANcxYP3/MwypCcfNG8z05TOC74YI3+qfPxRQTZIEo6r0AjP8kYEQ/Z72vD9"
    "wpOQqnOIrGksNKNdK8LkTbj99uKc+uX746cLrXgdNIjRkWXKgETkUxbUhKDHSqpS2bvccU"
    "wc3JdeZwjxqPdvTd0UhJ6yYS21MNvZOzt8fHva1oh/MqNSTFFSSiXmCx2f+4jtp5rymZLY"
    "L8+fFqOxDX/3bT1IhuVqG9TMUWWkL4u7iRVj5OvrqdlhCwr+Z7/sIOW6OKL3EWp9R1JMi2"
    "2dFG7PNPP3+mPp4XuY+OCyKipJ8cIpfzP2uY88lhY+Kj35jT6s4dwH7W4Vt2kN3UJT71cE"
    "eYbkfwewAdnzXqcj362Qx5JnJ8ug50tvDMuZnr2uwAvBeI+R5nX8PPogvv708k6QZG3eTw"
    "iDswDEYj5PETn54ctgmOwAUInwjAnwN2VN1BNEMfmC6kgiY6SH7K8eEhOxaPfc8Ujz0+/Z"
    "PzjNCMcBDYj2E3C4jpzpA+2a6N7jGcGfHmUnnLCWI6NVNiBVOMoidVEdmUlAY2D2yotxQw"
    "XQpoX00Ek746XQmWxX5EIqDLzitxODpXd5XVu4e5ufmUbO0sdiuO3jZFpX3wvfLBJVt4qz"
    "kKLdu+taYo7IbfkGSrS8gNeU57MbMRJdIbSBBYyWp8dhhlEIoxx59xBUnDbzoj8vgRztTu"
    "RXRLgQMIZoFHty5BYTS8D6CTozXqmPTJic+Xpr/AIXTs4VtOEfBY/J8I+A07pjul3/gbbz"
    "tOr5BgyviK3zw0pXuDX2FHBz2l7iakLo4AP22bNzMPb4eJL2/Ih89x3D412Q9PDv0lx3xs"
    "ajb27abtlh5pnXp0060+k2/Uwf2dshfLdVBwYDJCOhJdzYuJdYLCJk6LaL87d8JUdCK1Aq"
    "BpEQ1oHtBI3yshmpLRkOri8upQ72eZcZXi8tAmWmfR04I1rHk7fZi2L3EltkqfxNE1vqqL"
    "uOq6j93UfegTTlTgbfMJJ+l2ARK2SugmUExTecLAivSUOwLQCakhwAqvwYTedY5W8nFYwD"
    "FDFstv8Sh6MGZlJPTU5pOuTkL5IoZmlo/QvzTFs02KJ6zaV4I2LdLUu3T/INahyqZxXSOP"
    "auMcqq5jqimIYqi7S0Fo91S7p+3HVbun2j1tP7xtdk9TDdpkXQky7dtKOhIsG8ZVc07/L7"
    "S6MCJxuUa0B0FU1RFjdgSufrq++hmkoAcHYcVDzjmtY9InJ6mjIIeAFVKEtSLL+g+e2zB2"
    "WQKEg8Z05AviPQxCB536ujM7IE+OBacMcVbNQWdnRSb0C+asaAWz0gzAiljBQXYU9FB8qU"
    "8n5wkYxLWtklYHsvQInRGxU3fZMdgCqnjLSwkdAc0HlcPHSimmvBTRgIqAEjhC/sLgKlsB"
    "VFFMAysCGyfVqejUlIgGVAQ0ejkq4JmS0HCKcNruPHx8DX9CVeTEtdVce6m0zuzPA63rjY"
    "qh3k/GTJLRkWturBkzzZi1H1fNmGnGrP3wtp4xSzr1F5Fm6Vb+q3izaXrsSurskZXrMDlg"
    "I2uMvLdhow93zvt8sCAxb0rCcjEYHxf1P+HME/siCxzIuLNaZn2iu8r2ITnkhFi64uj3JT"
    "U3RCO64/kIOPKRdwTYd4ef/pl/8uSEajwkxBj89GbsBaPG6A0RMPew7yMnnol+zwKgr5j4"
    "Cskl2QdY2G8sx6QPxEHKmSeXePytsGnfDwanp68Hx6ev3pyfvX59/uY4eTnlL5W9pS5v3r"
    "MXVcaIW825PWMZ4VZcgBSP72Dt0emgQunR6aCw8ohdyppfET1p8GdbndZcymmXvIjcVMY2"
    "L6jBLaCPlLHNyWloi6hOZWzzghrcMoJeGWC5sAZZBDl+OYU25BpvtaWgpkCL4eX2/BroJn"
    "Ia3BKrQXnzSiQ1wCUAq27fvKCGt9gwU96+eUENbzG8qps3J6fBLbF8lTevRFIDXAKw6vbN"
    "C2p4VzgXynu4QFoDvQJo1b0sF9Ywy0w1SGRRtbLmU7FE99rnnldqPHVe0njqPN94akctvl"
    "oNdCMdvnQj6IYB1qWMxejvZ2KWLmXc5ctXJ2bpxKwtQawTs1oBb5sTs64C6i9Neb5P/sSr"
    "+Fq/9JCr9KhViVjF2FbJP7LxiJsKxgu0A76n4qSj8JhjuhRBqAvjz21IfCNsrAKTC7q0b5"
    "ulfaxXqaRDf7GBngjUk2i0W3CFNKMq9jkdVZJolLPPt3qY8bfn/swmigeWJgLdA/isCr5n"
    "xfCe5b13y6I+C0GSk4z/9un+rsCDTwuJbiU2ffA/YGPSmMHW+8socEzer20YYNvHDjli3/"
    "fXXrN2hgx0BlLGo4zBPvhw8au4Dle395eiq8gmuBQ9fvYW9ST9oMqOn09EGtr2u9PaVXJD"
    "i1NDc5mhU+g9UyvGGXPDUXrK3iU7FRM6cqil8gLoQzpBU9s/+WS7O/3y/v42s9Mvb4SM57"
    "vPHy6vHw5O+FLQQTi0sCV5NoKxWDXNRhDT+WG5YtmcfS7QhcjEU2gXcEc5YVG1h9JH0Sz7"
    "BnYJku+ur24+XNwenJz1B8LuTb9VhVfnC/3pYxR5N+sgXjDDxrC3zIapG/gR9gSnUoUUz0"
    "vrlvPtKVCWEOEig6Cy2DlhvdZtXmsd6io2Fbob6tKdJ7q26pKHnd99LlxUzLmL3oLESYvk"
    "fvz5AdlJCEMe5Lhnc+zh+hdFOP5oMiQRgiWJRyQoFgcj3GRIrZGIL+mTZtFXH3kOtI3i4x"
    "S/JFGROGJrQzNUFDwsIXQlz15EX2eY7vPkb88NfBQltOnYxVZjF8QNPLUUrqVEB8ukT15V"
    "oMJORKW+5MLYJSHh04d+IFGuJQAnEk0BvEOm8awK1XhWzDWeifiyM0YM1nxVBeKMUPeiGP"
    "WjPIML1orEUN/NeckOqo36ATcDj7141UIUKZkOgnxaJbJcHFfOKeZg6Ls+lATuSynFtNhu"
    "6Ns9IhL5OU8skLMW0jlhjfcKvH36vKwDdUZOo7wK5XUQ3ia627TvGlMZUQ5EHufitAmZ7P"
    "azJ3YDdiN5EgmgU0RRVOqlJRHtnqH9qord96rY7nuVs/ssZGN2sISBoGdjRJQZW+kEOijT"
    "Hp42T88nS2ZT+DdY8aW4Xu82rzdmvyzg+XWS19sj+lpYyp6V64I+LVvX618fy99oybLe3t"
    "+9j4eLr7msfpVQ2wovNbl0F9ZBoEEHb6rwoIM3xUQouya0cLDQdOb6jKEwnpESsyERrQX0"
    "FmXONwK5h+jvJL4xgWSigrco170dXr/lxo6+MMIuAkpOiyi3kcPSMsx34a8YQ4lqKbegUm"
    "Lacmqz5TTz3CkmYRNWbvOqrrR0Ar3mbV7zdHKA4moLonqd27zOqaQQxWXOSupVbvMqx+Hg"
    "tdwvqXD3bNNGqjzpy45I+xkUplClJLZXCHTSFMJ19zhJMtpULZC04HYSalsSDto7XbVfad"
    "N6ldcsichkqlbUjUJ6q+5WlNeQQn5wVWCFrGKN7Mo+UKnE7SzIyp2KrpYz7RnEVRsVZZ/b"
    "Cn2g0r1/NkU3NVVX4c0+vcp9oNKF1o6sZYZyScotdvaxLKmwLEVkRsJDc0xM5MFEFbwewu"
    "neRbN1FTVG9jIvckO0PkXTdBWmyNfeEKWP4SxdBclDJsIv7Bds+uwlE13HXWa6iJfj+niE"
    "w16BGyJ2l5qqS3A1XnfI34hFtYfx63JF/aFhx+OabIeoKwG3Wgn4HKhwsdHwDtaZ1J8aEB"
    "1zLIlWFu7atIh2giX0Av1dvjHzsCyCUJqJnxXUxQ4ova33sNhhr9FlaT1r7eKsoG5oVQ4z"
    "B8pwX5DnYQsZ6qfDFE7QvehjI4fFxK8zg5eFIBX7TSaqGxOKr8MEJQ/5geesh3BaVkMsba"
    "qpFs1Ii2grTh8V0iiuJSGipGnQhiGMrnV56gvxi/TzWiE4pE9gqfkEliqRoZi/N2oIEcUk"
    "fteiRE2SiFeQ2sDI+8RKRNielh2rIgzpl56uEg42SHr0Klqx9zhBgPUeBWzcMwXpOyeYDp"
    "EHCPIwtAEmJEAWmNFPoi9gP4SNIAB6CERLKMBc07RPDjQ9lxBAN73J+/iDITJhQBDw6Rfw"
    "/tp0Bkw/DqbUpAVz7E+A6yDw+SPLiTnq9TfiR6NbU3FwUiKdO5SkLkKvmDvlXXDDLSJRSH"
    "hcfJxcVrAzRvf3g8Hp6evB8emrN+dnr1+fvzlOLJr8pTLT5vLmPbNuMitTYO4UvzyaVIdi"
    "1FyiDiWB9WJ1KAb1q6nDX6iGQAA6gFsw4MD1wHwCfTCHBNho5AN3BLAPeCkEgMBD/0a8jv"
    "iQj+B1ElY/pw1rmZUqQ4dquMniLddwnjvn6jP6nQD6PprO/CKV9yVjk0WDc90odaRom5Gi"
    "eBWqI5uS0O6a7FRwn/34sSRAVNLsJiWjm9xsUDQKCaG+WkGyS8kZTVkxvQQbLMEaZdN1VU"
    "x/69DT17Dpqp2vlxLpYPi//hbA+gB3fYB7C9XJ3lXq6ACMDhS0hM2uECjYDR2RpKVLeIh0"
    "ynoxAUHSo3R65z492P0Sp12fQ9Bww/btc+6tNvTqz6IlyHuRJsqVbOGliEZ4NcJx0MsIQ1"
    "oqSEtEO3dMcv2A01+NbCPwJFGjYqgzQt3b1o3kHyJC/Tfu6a3bOUw+g2421GaHMcoYXYMX"
    "yErqVW7zKkfP41rrLMrqlW7zSs8RHk98Y+zBqcSTKXQRRbG1iKCWLWvtibiR+UZsPFM1SG"
    "Sy2i6pZJeEKRNrqS5BVGuuNmsuk9Gl9hqFRzlB/WBVerDCxDqK3rpn2qdk9aPV5kdLN7as"
    "1RDQsdRv4qmx3bB1ilo4VZDSEVVdJqij1HsdpZbphBqQvXU715lJBFfQhRtUtNF7CmrsSP"
    "cumq5D2As9M3TdXwWYkogcetl8bz1Gk12/dHhjRWQw3nR3fYSeT9F5l4oT7aV7uN260pz6"
    "KslgSqu41ZlMhpUevrKW6gIkqwU+vvsRHMRH2QIeee2DiO8EjO887LPS0Bc6FPoA+wR8fr"
    "jltUyZQqp6ppSWRyU/MnwN0VksXR6100wrvgQ5WIspvnh8B3PpG0izch0/epLFKlsHeosC"
    "ZmIpJIA8XPihtt8zmMsqZqPCj4SFoGhe3txdPPxDfm7qpaRQ5PIfj9cXcuRD6BS2tyi3vW"
    "3OXg121CL2zzNr1NvKnq8/S0hTcus8B3tHyQlv8opvZUFK00er6aN0hvuGPEcHu8D3BZ5D"
    "2GCtrHYo6mkt+vkVfAXd2bpzBrluv9xUlIM9LOuEOlJyGl1ZPwhtCmhTYF9NAbmaqCtc1z"
    "HKXoQ4px9bZW9lwwASgysXJyi2uLLxifpNrhw1aiErmCHjGS1yBGlurGuagRelhf9LW2vf"
    "eqFqpyjU9G0poCyI6TzUanmohTkVJQV+KZnuwdxIB5i0vs4hXc6RCqKaJG01Seohk5lI6x"
    "VMZET1Qrd6oYkbeIrF/onEFkNMHy7uPl/c7mtkKWUSK1kCaSn9hqr0htIV6N+kFtNEniby"
    "2scytTmmJ2ZPSlgmSYJlMc80CwdnlGaVJEDW3RdZwGPHUrADIVwAwenHW+B6wPLc2XcMQ0"
    "AClmLCeqNDMArsEbYZrLFQvqN6PdM+ORCEhaFhKirPGKTXA8fHNj9iIvrRgK4IVU02ssaI"
    "AFzSZV2nEbaNB9NphIlBdjqoYI+dDgrNMXZJsMZeil7KZad1pKU61ERiC4d1ZFtNLGwXSq"
    "AvbvadEtHNvjdo9t1Gbn13/dwa6PQdnnOh0pwmLdKZ439qS4Rw0FffiCBag/KTiG/FX97m"
    "nu6Su8w7b6y/3BJxTY+0fr3DVwxdRktC9644OS0r2iGbrDYNynFCnic7geKRqscSdBOpLl"
    "C8ZY/N9a+P5aZWpmAmHi7aX+KhH4nnvU6wSiKuVVmbVZku0vkmlln3zeleznPLtGLDkRLd"
    "5aWnECmp1uVFto+3G4lq2R7eViAqR70YtjuWkLrrd++4WB5d2pEt3mgXjwL0VgfxUjhXj+"
    "UZqYNlV8f07h1EAViwthoEORY/fRjEU73lcbP4L0C3Ub6NxzoT6GLAdoXV9OHFdRtuazi3"
    "2tNpv6ezHi2nGbmVz4syGad5uA14OCvwQgNe6cgIQUrrfZne18caN5synFi5SoagIKW37m"
    "pKpDgjW9llV+/92Dasq7ruwj5rVQ7pewr3HC4uXfeZLl1P4n0KI/plXuc4HGsM6eC46qGa"
    "t4kt6jm4PnLMBaCC1FscBtj2v8MOiCYF0CFzdgBV6D7GaaHYByYMTeCcB7rppE/OHPsTOs"
    "biV8OxfTrKDzyWmgrHdNXByPXozB6a2XBxBG58Qr8XhIc7Eib35Pzm00l/i7/zT4QOHtEv"
    "pY8HAQfsmjGjoJ30Af+3CWfGoA+Ojo4Oi7NQo7nYdVmZtvaUt+kppxaj6hs+JaLTUCukoS"
    "oWXm1ScdVuaE8Gb6rk4g3eFCfjsWvi4Vpc76m4WimRTqC8bW+rjQmmu9zWtWeYJu9YFYwz"
    "Qtr5quR8wakbyIJ475CJp9Au8HATIZHcDKWOIuk93NglCL+7vrr5cHF7cHLWD19+VG3g0B"
    "GIwT/L4cubLlATVmUfp2U6qC1Oq5gXxdZFnj4weR8pOYNbVt6dleuewqi/kH6KCKGuqArM"
    "KZHuIVxbL50ca7NzQuEjXBQdTyEZ1a9MLMxSEpXIBRjQXeNhwolqQF32PBFAnXI2N/f15x"
    "Pogwkk9H+zGd1alpRc2HTSJ8d3GdFAMDU3QvohfCkSwGpWZ37gIcY1jAIq7XrgxcUWwASY"
    "E2Q+x+QDKSlUTbmYS7NGEwWaKGiR9qufKNiR2d9umBux+7Vd2rRdqjmCpqtQw3f4f5DkZV"
    "fuvmYEtQu7yoUNzRlVlNNiu8G4qerfugEOzURlgNNiGuAygPXZ6b3a0wp21TWp0Cut5Ioq"
    "eZ8XDuB9yqknGMlRR89zg/EEuNSHjIz7t6F3OKfeYexVIqsP0uov2xupjlmfHOaWxhrgCD"
    "xOEknmZnJ/NBTzFz+wPwkCnjunk3kIuIEHwi6hwB09OfyLqC8bR9N1Prd2Ptto1zTtfPru"
    "M1JqYJ0IdI/YbMTn1EG9LQGtXc+mj2fV7EnD7ImOSzfrEu01ebIvfqdmTjRzst8Aa+akV2"
    "ctke6es87O3bua0mBmrbnMWUm9zK1e5vAQwzXOhdUla1VL1jheeXzXO1NzD+GtWqWW3lcb"
    "dJeh3+EQaLK7lNAHau1lOLX9uJywQ+g33Fomh1xxtEPAd2Xgw/AFgUopeHFkwYQMpbmHfR"
    "85YIhG9DFkkQNMwoMZDj5e3727uXt/yJPmTHc6Y9tQnoG34ZxRdd+ysu8H+v/g893Pd/e/"
    "3AE38OlIxCah+t61X5AFhqxZjcuOYuVSrKQwmOlYRwtjHfpIiCazZjSx1qjHnCpbVj1wTi"
    "Jaz5berbb4NuMdXTrvQfcsbYgPiisj1oqMSoV1hLTaMZW6OdU2m8Tr82Lq1Ru6J1XD+sGh"
    "ZpgKvvH47sFbW4mjjoNsrJv3jSBP2Jp1FlqQ1ceCtHmlY3pRyUHICulwyOpwSCp9fcOASC"
    "pbfs8grhoSye6uDYIidBIPow3jIQ/IRPiFQXpNp6vSMLGd2mq7sRARNUkgRAJscRTESwYb"
    "KBm9MgTCiiugafLy/u+WUwB+bJX3FmDnxcUmIv24oIMAyA+2ZgUbHrKwn4uAbD7lk8NsTg"
    "KWdSBsMPLC4pIjcBG3I/AQoNoe+/gF/RBGPugOAgQuCJhPsDl5cgi2EHBH/OIQ2kxxsH8v"
    "wmIRp7hJQUy8p4JK7HET2xR8yYQn4wE6nqLjKR3gRsNeoUq+YiJRi7fYInK//pocHa3S7c"
    "n2u5BBx04a4kB1NVl+7zbTKkaTdd8ChaOzWevXUYJjVB3ZvKB+Behk4e0lCxds4vqIR7XE"
    "4Jbt46pA55/iVh0fsqTOPrF+8GzZSgm2ZFS/IsdG0gKVaDYbEh+EDjLAhATI4pwWp6zcEU"
    "gxZXSVAt485eDm7u/3N1fXfSnJtsmET87Vw/W7m0e2Z64P34JhMJ1ReZ54zFq1fP7IXtys"
    "eyhjzlKLTf9mvVs8zAg6fohIPHkfEBfEx4sweo3tIWQGjJ1b3hjj9Bz0srxlf45NtGmu8m"
    "5poBbRFHWRQMWMG9t1RhEzdInHhe99QbAzmS/fDwanp68Hx6ev3pyfvX59/uY4effnL5UZ"
    "AZc375kdkFmZVnWounN9PMLRgeESdZq5XqpIHXHk6oZVIOq2DXyX6yQzIL47pXoEDt2A9Z"
    "lCOAoQgAOu+mZMI03wjOq1vP7cbDqq9MKjs5BFdSe05yziELadYlEMXtwxXAA0hdgG8wly"
    "wKcPjx95k2TXGeFxoFtR6XBC62zspglvcwIdB9lKfOxSZHsQ964/XNzc9vbqfZ3mDk08w9"
    "JMijLuMCXUPe7wdFCFO6SjSnZzvjIjGP4bmUowp0S6qDEqMbSnJQztaZ6hHbqWJIJTnMwe"
    "j+8EvttOZtfFRg0XKOpigXpJaF3rsk31QJ2bYIZUSz+zUp1jXHRcsj2bft/ikowoWGONU2"
    "K6dKDN66vjzjow2pJ43UZdlJoklS+Qh81JT0InR1f6ZUQyXI5ZRSEXQ6pZ2HaxsIWdOYuN"
    "zOLWnPvp+Qs25vl5FRvz/LzYxmTXBGeUPlQKCEfDO4juSSUL/qTEgj+RWPCu40tJ2L99ur"
    "8rMN2XIqJZh00f/A/YmOyjBVACLgOj3E0VPVLBSmMTXO46QvrH/wMla7LQ"
)
