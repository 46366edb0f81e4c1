# One image, one binary; the compose file picks the role with the command.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /amoflow ./cmd/amoflow

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /amoflow /amoflow
COPY config/example.yaml /etc/amoflow/config.yaml
ENV AMOFLOW_CONFIG=/etc/amoflow/config.yaml
ENTRYPOINT ["/amoflow"]
